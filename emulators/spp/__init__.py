"""Local SuiteProjects Pro (ex OpenAir) XML API service: ``create_app`` in ``app``."""
