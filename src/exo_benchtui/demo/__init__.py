"""The built-in demo: a realistic made-up history served by a local S3 server.

Importing this package is cheap; moto and boto3 load when a server starts.
"""

from exo_benchtui.demo.history import DemoObject, HistoryGenerator, generate_history
from exo_benchtui.demo.server import DemoServer

__all__ = ["DemoObject", "DemoServer", "HistoryGenerator", "generate_history"]
