"""Services wire the pure libraries (``schemas``, ``renderers``, ``workflows``) to the database.

Each function takes the caller's SQLAlchemy session and never commits: the caller's transaction
(one ``with db.session()`` block per request or job) decides what is stored together.
"""
