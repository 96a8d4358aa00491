from predictly.accounts.users import create_user, get_user, get_user_by_email

__all__ = ["create_user", "get_user", "get_user_by_email"]
