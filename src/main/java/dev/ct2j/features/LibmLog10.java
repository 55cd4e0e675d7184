package dev.ct2j.features;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The C library's {@code log10f}, which numpy calls for float32 {@code np.log10} without its
 * AVX-512 target. It is called through FFM rather than re-implemented: its last bits are whatever
 * this machine's libm gives (glibc changed its {@code log10f} across versions), and numpy in the
 * same machine gets exactly those.
 */
final class LibmLog10 implements Log10Function {

    private static final Holder HOLDER = new Holder();

    private final MethodHandle log10f;

    private LibmLog10(MethodHandle log10f) {
        this.log10f = log10f;
    }

    /** The shared instance, or empty when the C library has no {@code log10f} (see {@link #status()}). */
    static Optional<LibmLog10> shared() {
        return Optional.ofNullable(HOLDER.instance);
    }

    static String status() {
        return HOLDER.status;
    }

    @Override
    public float log10(float x) {
        try {
            return (float) log10f.invokeExact(x);
        } catch (Throwable t) {
            throw new IllegalStateException("log10f failed", t);
        }
    }

    private static final class Holder {
        final LibmLog10 instance;
        final String status;

        Holder() {
            LibmLog10 found = null;
            String why;
            try {
                Linker linker = Linker.nativeLinker();
                Optional<java.lang.foreign.MemorySegment> symbol = linker.defaultLookup().find("log10f");
                if (symbol.isPresent()) {
                    // critical: a leaf call that neither blocks nor calls back, so no thread transition.
                    MethodHandle h = linker.downcallHandle(symbol.get(),
                            FunctionDescriptor.of(ValueLayout.JAVA_FLOAT, ValueLayout.JAVA_FLOAT),
                            Linker.Option.critical(false));
                    found = new LibmLog10(h);
                    why = "the C library's log10f";
                } else {
                    why = "the C library has no log10f";
                }
            } catch (RuntimeException | LinkageError e) {
                why = "log10f unavailable: " + e;
            }
            instance = found;
            status = why;
        }
    }
}
