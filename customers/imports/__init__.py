"""Imports of CSV files into customers, stores, categories, purchases and events.

A file is read in blocks with pyarrow, every row is checked, and the rows are
streamed through PostgreSQL COPY while the next block is being checked. Any
problem in any row refuses the whole file: the transaction is rolled back and
each problem is reported with its row, column, value and reason.
"""
