"""logsleuth: forensic analysis of Odoo server logs."""

__version__ = "0.1.0"
