"""The service runtime: app factory conventions, problems, middleware, health, scheduler, serving."""

from shared.runtime.app import build_app
from shared.runtime.problems import problem_responses
from shared.runtime.scheduler import Job
from shared.runtime.serve import run
from shared.runtime.service import ServiceRuntime

__all__ = ["Job", "ServiceRuntime", "build_app", "problem_responses", "run"]
