"""The engine's fixtures (both local services over real HTTP, a freshly seeded world per test)."""

from tests.include.engine.conftest import services, world  # noqa: F401
