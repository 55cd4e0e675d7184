package dev.ct2j.natives;

import dev.ct2j.bindings.ct2j_h;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What ct2j does when the JVM exits (SIGTERM, Ctrl-C, {@code System.exit}, the end of
 * {@code main}): a shutdown hook, installed when the native library loads, that
 * <ol>
 *   <li>refuses new native calls: they throw {@link IllegalStateException} ("ct2j is shutting
 *       down"), so a transcription being read stops before its next step (encode, generate,
 *       align), and no new window starts;
 *   <li>tells the native library that the process is about to exit ({@code ct2j_shutdown_begin}),
 *       which registers its exit handler last, so that it runs before every static destructor;
 *   <li>waits for the native calls in flight, at most {@value #TIMEOUT_PROPERTY} milliseconds
 *       (default {@value #DEFAULT_TIMEOUT_MILLIS}): CTranslate2 cannot stop a generation between
 *       decoding steps (its Whisper options have no step callback), so a long window runs on;
 *   <li>closes every live model whose calls have returned. A model still in a call is not
 *       freed: the native exit handler then ends the process with {@code _exit(status)}, keeping
 *       the exit status (143 for SIGTERM, 130 for SIGINT) and skipping the static destructors
 *       that would crash the call's worker threads.
 * </ol>
 * {@code Runtime.halt} runs no hook; the native exit handler alone covers it (docs/robustness.md,
 * "Shutdown and signals").
 */
public final class NativeShutdown {
    /** System property: how long the hook waits for native calls in flight, in milliseconds. */
    public static final String TIMEOUT_PROPERTY = "ct2j.shutdown.timeoutMillis";
    public static final long DEFAULT_TIMEOUT_MILLIS = 2000;

    private static final System.Logger LOG = System.getLogger("dev.ct2j");
    private static volatile boolean shuttingDown;
    private static boolean installed;
    // Weak: a model the program dropped is freed by its Cleaner, not kept alive by this registry.
    private static final Set<Registration> LIVE = ConcurrentHashMap.newKeySet();

    private NativeShutdown() {}

    /** A live owner; {@link #remove()} when it closes. */
    public static final class Registration {
        private final WeakReference<Object> owner;
        private final ShutdownClose<Object> close;

        private Registration(Object owner, ShutdownClose<Object> close) {
            this.owner = new WeakReference<>(owner);
            this.close = close;
        }

        public void remove() {
            LIVE.remove(this);
        }
    }

    /**
     * Closes an owner at shutdown within a bound. It must not capture the owner (it would keep it
     * reachable): it receives it.
     */
    @FunctionalInterface
    public interface ShutdownClose<T> {
        /** @return false if a call still ran after the bound, so that nothing was freed */
        boolean close(T owner, long timeoutNanos);
    }

    /** Registers an owner (a model) that the shutdown hook closes; held weakly. */
    @SuppressWarnings("unchecked")
    public static <T> Registration register(T owner, ShutdownClose<? super T> close) {
        LIVE.removeIf(r -> r.owner.refersTo(null)); // owners the Cleaner freed, never closed
        Registration registration = new Registration(owner, (ShutdownClose<Object>) close);
        LIVE.add(registration);
        return registration;
    }

    /** Whether the JVM has begun to exit (the hook has started). */
    public static boolean isShuttingDown() {
        return shuttingDown;
    }

    /** Throws the "shutting down" {@link IllegalStateException} once the JVM has begun to exit. */
    public static void ensureRunning() {
        if (shuttingDown) {
            throw new IllegalStateException("ct2j is shutting down (the JVM is exiting): no new native calls");
        }
    }

    /** Installs the hook once; called by {@link NativeLibrary} after the library loaded. */
    static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(NativeShutdown::onShutdown, "ct2j-shutdown"));
        } catch (IllegalStateException e) {
            // Loaded while the JVM already exits: behave as the hook would from here on.
            shuttingDown = true;
            ct2j_h.ct2j_shutdown_begin();
        }
    }

    static long timeoutMillis() {
        String value = System.getProperty(TIMEOUT_PROPERTY);
        if (value == null || value.isBlank()) {
            return DEFAULT_TIMEOUT_MILLIS;
        }
        try {
            return Math.max(0, Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            LOG.log(System.Logger.Level.WARNING, "-D{0}={1} is not a number of milliseconds; using {2}",
                    TIMEOUT_PROPERTY, value, DEFAULT_TIMEOUT_MILLIS);
            return DEFAULT_TIMEOUT_MILLIS;
        }
    }

    private static void onShutdown() {
        shuttingDown = true;
        ct2j_h.ct2j_shutdown_begin();
        long timeoutMillis = timeoutMillis();
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        if (ct2j_h.ct2j_calls_in_flight() > 0) {
            ct2j_h.ct2j_shutdown_wait(timeoutMillis);
        }
        for (Registration registration : new ArrayList<>(LIVE)) {
            Object owner = registration.owner.get();
            if (owner == null) {
                continue;
            }
            try {
                // What is left of the bound; an owner with no call in flight closes at once, one
                // still in a call (a call that entered just before the flag was set) is not freed.
                registration.close.close(owner, Math.max(0, deadline - System.nanoTime()));
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.DEBUG, "closing at shutdown failed", e);
            }
        }
        int running = ct2j_h.ct2j_calls_in_flight();
        if (running > 0) {
            // Stderr, not the logger: the logging framework may already be shut down by its own hook.
            System.err.println("ct2j: exiting with " + running + " native call(s) still running after "
                    + timeoutMillis + " ms (CTranslate2 cannot stop a generation mid-window); the models they"
                    + " use were not freed");
        }
    }
}
