"""The item (事项): its three tables, the schema of its fields, the text form of each cell shape,
the cleaning of submitted fields and the canonical content a version stores.

Pure Python at the bottom of the house: no Flask, no database, nothing of the app. Forms, API
validation and its OpenAPI schema, document columns, diff labels and search fields are derived
from `fields.FIELDS` and `tables.TABLES`; adding a field means adding it there, to the model,
a migration and the templates.
"""
from .cells import (
    citation_line,
    citation_lines,
    citations_of_text,
    departments_of_text,
    lines_of,
    looks_like_department,
    receiving_lines,
    receiving_of_lines,
    steps_text,
)
from .content import (
                    FieldError,
                    canonical_content,
                    cited_bases,
                    clean_citations,
                    clean_fields,
                    content_hash,
                    empty_fields,
                    field_text,
                    item_problems,
                    named_departments,
)
from .fields import CATCH_ALL, CONTENT_KEYS, FIELDS, NOTE_HEADERS, Field, Shape, common_fields, field, fields_of
from .tables import KIND_LABELS, KINDS, TABLE_TYPE_HEADERS, TABLES, Table, kind_of_word, title_pattern

__all__ = [
    "CATCH_ALL", "CONTENT_KEYS", "FIELDS", "KINDS", "KIND_LABELS", "NOTE_HEADERS", "TABLES", "TABLE_TYPE_HEADERS", "Field", "FieldError", "Shape", "Table",
    "citation_line", "citation_lines", "citations_of_text", "clean_citations", "cited_bases",
    "canonical_content", "clean_fields", "common_fields", "content_hash", "departments_of_text", "empty_fields", "field",
    "field_text", "fields_of", "item_problems", "kind_of_word", "lines_of", "looks_like_department", "named_departments",
    "receiving_lines", "receiving_of_lines", "steps_text", "title_pattern",
]
