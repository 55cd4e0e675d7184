"""Reads native/include/ct2j.h with libclang into a plain model of its C API.

Shared by gen_bindings.py (which writes the FFM bindings from it) and by the Java test
BindingsMatchHeaderTest (which checks the checked-in bindings against it). Layout names are
jextract's: C_BOOL, C_INT, C_LONG, C_FLOAT, C_POINTER, or a struct name for a by-value struct.
"""
import json
import subprocess
import sys

import clang.cindex as ci

PREFIX = "ct2j_"


def layout_of(t):
    t = t.get_canonical()
    k = t.kind
    if k == ci.TypeKind.POINTER:
        return "C_POINTER"
    if k == ci.TypeKind.BOOL:
        return "C_BOOL"
    if k == ci.TypeKind.FLOAT:
        return "C_FLOAT"
    if k == ci.TypeKind.DOUBLE:
        return "C_DOUBLE"
    if k in (ci.TypeKind.INT, ci.TypeKind.UINT, ci.TypeKind.ENUM):
        return "C_INT"
    if k in (ci.TypeKind.LONG, ci.TypeKind.ULONG):
        return "C_LONG"
    if k in (ci.TypeKind.LONGLONG, ci.TypeKind.ULONGLONG):
        return "C_LONG_LONG"
    if k in (ci.TypeKind.CHAR_S, ci.TypeKind.SCHAR, ci.TypeKind.UCHAR):
        return "C_CHAR"
    if k in (ci.TypeKind.SHORT, ci.TypeKind.USHORT):
        return "C_SHORT"
    if k == ci.TypeKind.RECORD:
        return t.get_declaration().spelling
    if k == ci.TypeKind.VOID:
        return "void"
    raise ValueError(f"unmapped C type {t.spelling} ({k})")


def read(header):
    # The libclang wheel has no builtin headers (stdbool.h, stddef.h): borrow the C compiler's.
    builtin = subprocess.run(["cc", "-print-file-name=include"], capture_output=True, text=True).stdout.strip()
    index = ci.Index.create()
    tu = index.parse(header, args=["-x", "c", "-std=c11", "-isystem", builtin],
                     options=ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD)
    errors = [d for d in tu.diagnostics if d.severity >= ci.Diagnostic.Error]
    if errors:
        raise SystemExit(f"{header}: " + "; ".join(str(e) for e in errors))
    model = {"functions": {}, "structs": {}, "constants": {}}
    for c in tu.cursor.get_children():
        if c.location.file is None or not c.location.file.name.endswith("ct2j.h"):
            continue
        if c.kind == ci.CursorKind.FUNCTION_DECL and c.spelling.startswith(PREFIX):
            model["functions"][c.spelling] = {
                "returns": layout_of(c.result_type),
                "params": [{"name": a.spelling, "layout": layout_of(a.type)} for a in c.get_arguments()],
            }
        elif c.kind == ci.CursorKind.STRUCT_DECL and c.is_definition() and c.spelling.startswith(PREFIX):
            fields = [{"name": f.spelling, "layout": layout_of(f.type),
                       "offset": f.get_field_offsetof() // 8, "size": f.type.get_size()}
                      for f in c.get_children() if f.kind == ci.CursorKind.FIELD_DECL]
            model["structs"][c.spelling] = {"size": c.type.get_size(), "fields": fields}
        elif c.kind == ci.CursorKind.ENUM_DECL:
            for e in c.get_children():
                model["constants"][e.spelling] = e.enum_value
        elif c.kind == ci.CursorKind.MACRO_DEFINITION and c.spelling.startswith("CT2J_"):
            tokens = [t.spelling for t in c.get_tokens()][1:]
            if len(tokens) == 1 and tokens[0].lstrip("-").isdigit():
                model["constants"][c.spelling] = int(tokens[0])
    return model


if __name__ == "__main__":
    print(json.dumps(read(sys.argv[1]), indent=1, sort_keys=True))
