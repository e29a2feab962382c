"""The lab: research around the engine (training, datasets, evaluation, readings, benchmarks).

The lab imports :mod:`stance`; the engine never imports the lab.
"""
