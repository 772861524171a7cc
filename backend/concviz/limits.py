"""Numbers the trace format states (``concviz.events`` re-exports them) and
the recording code obeys, in a module light enough for a run's processes to
import before anything else: the schema's hundred dataclasses cost a process
about 25 ms to create."""

PRINT_TEXT_MAX = 4096
"""Most characters of one ``print`` call kept in the trace (``Print.cut`` counts the rest)."""

CPU_SAMPLE_MS = 10
"""How often the supervisor samples each thread's CPU time (``Cpu``)."""
