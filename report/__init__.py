"""The offline HTML report: the marts as charts people would rather look at than read.

``data`` reads the marts into small frames, ``charts`` turns frames into plotly figures (pure
functions), ``page`` lays the figures out in one HTML file with plotly.js inlined (it opens
without a network), and ``build`` ties them to a warehouse file.
"""

from report.build import default_path, write_report

__all__ = ["default_path", "write_report"]
