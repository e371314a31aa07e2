"""Flask-WTF forms, one module per area; labels are Chinese, field names English."""
