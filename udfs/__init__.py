"""The Excel worksheet functions of jxc-xl (module ``udfs.jxc``)."""
