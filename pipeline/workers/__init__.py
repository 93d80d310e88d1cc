"""Many sessions on many machines: Celery workers over Redis (docs/workers.md).

Without a broker nothing here is imported, and ``verbali run`` processes sessions locally.
"""
