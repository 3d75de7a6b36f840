"""SQLAlchemy rules: data access through the ORM (`sqlalchemy/n-plus-one`)."""
