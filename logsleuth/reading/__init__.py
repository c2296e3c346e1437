"""Reading: files, archives and stdin become clean lines, then Odoo log records."""
