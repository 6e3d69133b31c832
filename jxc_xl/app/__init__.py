"""The use cases behind each command and button, on a Book and a ledger: settings, input, statuses, tools."""
