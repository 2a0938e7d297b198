"""Local development (`make run`): DEBUG on, a fixed development key."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-not-secret-zongzhi"  # noqa: F405
