"""Every `flask --app wsgi ...` command."""
