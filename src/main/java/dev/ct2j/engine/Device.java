package dev.ct2j.engine;

import dev.ct2j.bindings.ct2j_h;
import dev.ct2j.natives.NativeLibrary;
import java.util.Locale;

/** Where a model runs. AUTO, faster-whisper's default, picks CUDA when a device is present. */
public enum Device {
    CPU, CUDA, AUTO;

    /** Parses "cpu", "cuda" or "auto" (case-insensitive). */
    public static Device of(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown device '" + name + "' (expected cpu, cuda or auto)");
        }
    }

    /** CPU or CUDA: AUTO resolved against the devices present. */
    public Device resolve() {
        if (this != AUTO) {
            return this;
        }
        NativeLibrary.ensureLoaded();
        return ct2j_h.ct2j_cuda_device_count() > 0 ? CUDA : CPU;
    }

    int code() {
        return switch (resolve()) {
            case CUDA -> ct2j_h.CT2J_DEVICE_CUDA();
            default -> ct2j_h.CT2J_DEVICE_CPU();
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
