"""The add-in's sources, shipped as ``jxc_xl.addin_sources``: ``customUI.xml`` (the 进销存 tab)
and ``RibbonJxc.bas`` (its one callback). ``jxc addin build`` (jxc_xl.addin) makes jxc.xlam
from them, xlwings' own ribbon add-in template and the worksheet functions in ``udfs/``."""
