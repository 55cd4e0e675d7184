package dev.ct2j.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ct2j.TestSupport;
import dev.ct2j.bindings.ct2j_h;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Parses native/include/ct2j.h with libclang (bindings/tools/header_model.py) and checks every
 * function, struct and constant against the FFM bindings: a signature changed on one side only
 * fails here instead of corrupting memory at run time.
 */
class BindingsMatchHeaderTest {

    private static JsonNode header() throws Exception {
        Process p = new ProcessBuilder(TestSupport.python().toString(),
                TestSupport.repo().resolve("bindings/tools/header_model.py").toString(),
                TestSupport.repo().resolve("native/include/ct2j.h").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor(), "header_model.py failed");
        return new ObjectMapper().readTree(new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void everyHeaderFunctionHasABindingWithTheSameSignature() throws Exception {
        NativeLibrary.ensureLoaded(); // the binding holder classes resolve their symbols on first use
        JsonNode functions = header().get("functions");
        assertTrue(functions.size() > 40, "expected the whole API, got " + functions.size() + " functions");
        List<String> problems = new ArrayList<>();
        for (var entry : functions.properties()) {
            String name = entry.getKey();
            Method descriptor;
            try {
                descriptor = ct2j_h.class.getMethod(name + "$descriptor");
            } catch (NoSuchMethodException e) {
                problems.add(name + ": no binding");
                continue;
            }
            FunctionDescriptor desc = (FunctionDescriptor) descriptor.invoke(null);
            String expectedReturn = entry.getValue().get("returns").asText();
            if (expectedReturn.equals("void")) {
                if (desc.returnLayout().isPresent()) {
                    problems.add(name + ": returns a value in the binding but void in the header");
                }
            } else if (desc.returnLayout().isEmpty() || !matches(expectedReturn, desc.returnLayout().get())) {
                problems.add(name + ": return type " + desc.returnLayout() + " != " + expectedReturn);
            }
            JsonNode params = entry.getValue().get("params");
            if (params.size() != desc.argumentLayouts().size()) {
                problems.add(name + ": " + desc.argumentLayouts().size() + " parameters in the binding, "
                        + params.size() + " in the header");
                continue;
            }
            for (int i = 0; i < params.size(); i++) {
                String expected = params.get(i).get("layout").asText();
                if (!matches(expected, desc.argumentLayouts().get(i))) {
                    problems.add(name + ": parameter " + params.get(i).get("name").asText() + " is "
                            + desc.argumentLayouts().get(i) + " in the binding, " + expected + " in the header");
                }
            }
        }
        Set<String> bound = new TreeSet<>();
        for (Method m : ct2j_h.class.getMethods()) {
            if (m.getName().endsWith("$descriptor")) {
                bound.add(m.getName().substring(0, m.getName().length() - "$descriptor".length()));
            }
        }
        for (String name : bound) {
            if (!functions.has(name)) {
                problems.add(name + ": bound but not declared in ct2j.h");
            }
        }
        if (!problems.isEmpty()) {
            fail("bindings and header disagree (run bindings/regenerate.sh):\n  " + String.join("\n  ", problems));
        }
    }

    @Test
    void everyHeaderStructHasTheSameLayout() throws Exception {
        JsonNode structs = header().get("structs");
        List<String> problems = new ArrayList<>();
        for (var entry : structs.properties()) {
            String name = entry.getKey();
            GroupLayout layout;
            try {
                layout = (GroupLayout) Class.forName("dev.ct2j.bindings." + name).getMethod("layout").invoke(null);
            } catch (ClassNotFoundException e) {
                problems.add(name + ": no binding class");
                continue;
            }
            long size = entry.getValue().get("size").asLong();
            if (layout.byteSize() != size) {
                problems.add(name + ": " + layout.byteSize() + " bytes in the binding, " + size + " in the header");
            }
            for (JsonNode field : entry.getValue().get("fields")) {
                String fieldName = field.get("name").asText();
                try {
                    var path = MemoryLayout.PathElement.groupElement(fieldName);
                    long offset = layout.byteOffset(path);
                    MemoryLayout fieldLayout = layout.select(path);
                    if (offset != field.get("offset").asLong()) {
                        problems.add(name + "." + fieldName + ": offset " + offset + " != " + field.get("offset"));
                    }
                    if (!matches(field.get("layout").asText(), fieldLayout)) {
                        problems.add(name + "." + fieldName + ": " + fieldLayout + " != " + field.get("layout"));
                    }
                } catch (IllegalArgumentException e) {
                    problems.add(name + "." + fieldName + ": missing in the binding");
                }
            }
        }
        if (!problems.isEmpty()) {
            fail("struct layouts disagree (run bindings/regenerate.sh):\n  " + String.join("\n  ", problems));
        }
    }

    @Test
    void everyHeaderConstantHasTheSameValue() throws Exception {
        JsonNode constants = header().get("constants");
        List<String> problems = new ArrayList<>();
        for (var entry : constants.properties()) {
            try {
                int value = (int) ct2j_h.class.getMethod(entry.getKey()).invoke(null);
                if (value != entry.getValue().asInt()) {
                    problems.add(entry.getKey() + " = " + value + " in the binding, " + entry.getValue() + " in the header");
                }
            } catch (NoSuchMethodException e) {
                problems.add(entry.getKey() + ": no binding");
            }
        }
        if (!problems.isEmpty()) {
            fail("constants disagree:\n  " + String.join("\n  ", problems));
        }
    }

    private static boolean matches(String expected, MemoryLayout actual) {
        return switch (expected) {
            case "C_POINTER" -> actual instanceof AddressLayout;
            case "C_BOOL" -> actual instanceof ValueLayout v && v.carrier() == boolean.class;
            case "C_CHAR" -> actual instanceof ValueLayout v && v.carrier() == byte.class;
            case "C_SHORT" -> actual instanceof ValueLayout v && v.carrier() == short.class;
            case "C_INT" -> actual instanceof ValueLayout v && v.carrier() == int.class;
            case "C_LONG", "C_LONG_LONG" -> actual instanceof ValueLayout v && v.carrier() == long.class;
            case "C_FLOAT" -> actual instanceof ValueLayout v && v.carrier() == float.class;
            case "C_DOUBLE" -> actual instanceof ValueLayout v && v.carrier() == double.class;
            default -> actual instanceof GroupLayout g && g.name().orElse("").equals(expected);
        };
    }
}
