package dev.ct2j.engine;

import dev.ct2j.bindings.ct2j_h;
import dev.ct2j.natives.NativeStrings;

/** Turns C API status codes into exceptions carrying the native message (shared by every native owner). */
public final class Status {
    private Status() {}

    public static void check(int status, String context) {
        if (status != ct2j_h.CT2J_OK()) {
            throw toException(status, context);
        }
    }

    public static EngineException toException(int status, String context) {
        String message = context + ": " + NativeStrings.lastError();
        if (status == ct2j_h.CT2J_ERR_BUSY()) {
            return new ModelBusyException(message);
        }
        return new EngineException(kind(status), message);
    }

    static EngineException.Kind kind(int status) {
        if (status == ct2j_h.CT2J_ERR_INVALID_ARGUMENT()) return EngineException.Kind.INVALID_ARGUMENT;
        if (status == ct2j_h.CT2J_ERR_NOT_FOUND()) return EngineException.Kind.NOT_FOUND;
        if (status == ct2j_h.CT2J_ERR_UNSUPPORTED()) return EngineException.Kind.UNSUPPORTED;
        if (status == ct2j_h.CT2J_ERR_BUSY()) return EngineException.Kind.BUSY;
        if (status == ct2j_h.CT2J_ERR_NOT_LOADED()) return EngineException.Kind.NOT_LOADED;
        if (status == ct2j_h.CT2J_ERR_OUT_OF_MEMORY()) return EngineException.Kind.OUT_OF_MEMORY;
        if (status == ct2j_h.CT2J_ERR_DECODE()) return EngineException.Kind.DECODE;
        return EngineException.Kind.INTERNAL;
    }
}
