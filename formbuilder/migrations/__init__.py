"""Alembic migrations, shipped inside the package: ``Database.upgrade()`` runs them."""
