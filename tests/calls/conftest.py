from tests.chat.conftest import categories, chat_settings, mediating, rooms  # noqa: F401
