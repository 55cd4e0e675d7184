package dev.ct2j.output;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Collection;
import java.util.Map;

/**
 * Python's {@code json.dump} for the values a transcript holds (maps with string keys, lists,
 * strings, integers, floats, booleans, null), byte for byte: {@code ", "} and {@code ": "}
 * between items without an indent, {@code ","} and a newline per item with one; floats as
 * {@link PythonFloat#repr}; with {@code ensureAscii} every character outside printable ASCII as
 * a lowercase {@code \\uXXXX} (surrogate pairs above U+FFFF).
 */
final class PythonJson {
    private final Writer out;
    private final int indent;
    private final boolean ensureAscii;

    /** {@code indent} 0 or less means none (Python's indent=None). */
    PythonJson(Writer out, int indent, boolean ensureAscii) {
        this.out = out;
        this.indent = indent;
        this.ensureAscii = ensureAscii;
    }

    void write(Object value) throws IOException {
        write(value, 0);
    }

    private void write(Object value, int level) throws IOException {
        switch (value) {
            case null -> out.write("null");
            case String s -> writeString(s);
            case Boolean b -> out.write(b ? "true" : "false");
            case Double d -> out.write(PythonFloat.repr(d));
            case Integer i -> out.write(Integer.toString(i));
            case Long l -> out.write(Long.toString(l));
            case Map<?, ?> map -> writeMap(map, level);
            case Collection<?> list -> writeList(list, level);
            default -> throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
        }
    }

    private void writeMap(Map<?, ?> map, int level) throws IOException {
        if (map.isEmpty()) {
            out.write("{}");
            return;
        }
        out.write('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            separator(first, level + 1);
            first = false;
            writeString((String) e.getKey());
            out.write(": ");
            write(e.getValue(), level + 1);
        }
        close(level);
        out.write('}');
    }

    private void writeList(Collection<?> list, int level) throws IOException {
        if (list.isEmpty()) {
            out.write("[]");
            return;
        }
        out.write('[');
        boolean first = true;
        for (Object item : list) {
            separator(first, level + 1);
            first = false;
            write(item, level + 1);
        }
        close(level);
        out.write(']');
    }

    private void separator(boolean first, int level) throws IOException {
        if (indent > 0) {
            out.write(first ? "\n" : ",\n");
            out.write(" ".repeat(indent * level));
        } else if (!first) {
            out.write(", ");
        }
    }

    private void close(int level) throws IOException {
        if (indent > 0) {
            out.write('\n');
            out.write(" ".repeat(indent * level));
        }
    }

    private void writeString(String s) throws IOException {
        out.write('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.write("\\\"");
                case '\\' -> out.write("\\\\");
                case '\n' -> out.write("\\n");
                case '\r' -> out.write("\\r");
                case '\t' -> out.write("\\t");
                case '\b' -> out.write("\\b");
                case '\f' -> out.write("\\f");
                default -> {
                    // Without ensure_ascii Python escapes only control characters (DEL stays).
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.write(String.format("\\u%04x", (int) c));
                    } else {
                        out.write(c);
                    }
                }
            }
        }
        out.write('"');
    }

    static String toString(Object value, int indent, boolean ensureAscii) {
        var buffer = new java.io.StringWriter();
        try {
            new PythonJson(buffer, indent, ensureAscii).write(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toString();
    }
}
