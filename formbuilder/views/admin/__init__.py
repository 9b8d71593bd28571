"""Admin pages (admins only): staff accounts (``users``) and jobs that need a person (``jobs``)."""
