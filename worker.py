"""The huey entry point: `huey_consumer worker.huey` runs the service's tasks."""

from agreements.tasks import huey

__all__ = ["huey"]
