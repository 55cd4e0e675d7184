package dev.ct2j.natives;

import dev.ct2j.bindings.ct2j_h;
import java.lang.foreign.MemorySegment;

/** Reads C strings that the native library owns. */
public final class NativeStrings {
    private NativeStrings() {}

    /** The calling thread's last native error message. */
    public static String lastError() {
        return read(ct2j_h.ct2j_last_error());
    }

    /** A NUL-terminated string owned by the library, or "" for NULL. */
    public static String read(MemorySegment cString) {
        if (cString == null || cString.equals(MemorySegment.NULL)) {
            return "";
        }
        return cString.reinterpret(Long.MAX_VALUE).getString(0);
    }
}
