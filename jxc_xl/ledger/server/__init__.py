"""The server's side of a PostgreSQL ledger: the one door a clerk's login writes through
(:mod:`.door`), what travels through it (:mod:`.wire`), the poster that runs each request with the
owner's rights (:mod:`.poster`) and the clerk's ledger that makes its writes requests
(:mod:`.clerk`). See design.md, "Where it runs": the server posts; clerks submit."""
