"""Export files (spec §13): JSON, CSV, PDF, Anki (``.apkg`` and text) and Quizlet, written as streams.

A writer takes row batches (``models``) and a binary sink and never holds the whole export: see each
module for what it keeps in memory (the PDF keeps its pages). ``files.write_file`` picks the writer.
Nothing here touches the database or S3; the export service feeds the rows and stores the file.
"""
