"""An assessment on paper: HTML from jinja2 templates and PDF from WeasyPrint (the only code
that imports it), the range-of-motion chart and the referral letter."""
