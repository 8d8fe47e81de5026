"""Portfolio analytics: replaying a loan book, backtests, simulations, monitoring (issue 13).

Pure: no I/O, no clock.
"""
