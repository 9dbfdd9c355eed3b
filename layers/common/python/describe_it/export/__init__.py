"""Exports (spec §13): the routes' rules, the export worker, and the files in five formats.

Files: JSON, CSV, PDF, Anki (``.apkg`` and text) and Quizlet, written as streams. A writer takes row
batches (``models``) and a binary sink and never holds the whole export: see each module for what it
keeps in memory (the PDF keeps its pages). ``files.write_file`` picks the writer. The writers touch
neither the database nor S3.

Around them: ``api`` (request and response models, the format/content pairs), ``service`` (accepting
an export: tier, inline or worker), ``runner`` (rows from PostgreSQL into a file in S3, and the status
transitions of a run), ``history`` (reads and downloads), ``repository`` (the SQL), ``lifecycle``
(leases and retention), ``dispatch`` and ``worker`` (starting and running the export worker).
"""
