"""Django rules: data access through the ORM (`django/n-plus-one`)."""
