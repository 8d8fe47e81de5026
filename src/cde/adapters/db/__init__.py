"""SQLAlchemy storage: tables, engine set-up (SQLite pragmas), migrations, repositories."""
