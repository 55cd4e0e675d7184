package dev.ct2j.ctranslate2;

import dev.ct2j.bindings.ct2j_h;
import dev.ct2j.engine.BusyPolicy;
import dev.ct2j.engine.Device;
import dev.ct2j.engine.EngineException;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.engine.ModelParams;
import dev.ct2j.engine.Status;
import dev.ct2j.natives.NativeLibrary;
import dev.ct2j.natives.NativeMemory;
import dev.ct2j.natives.NativeResource;
import dev.ct2j.natives.NativeShutdown;
import dev.ct2j.natives.NativeStrings;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What {@link Translator}, {@link Generator} and {@link Encoder} share: the lifetime of a
 * CTranslate2 replica pool, as for the Whisper model ({@code dev.ct2j.engine.WhisperEngine}).
 *
 * <ul>
 *   <li>{@link #close()} is Python's {@code del model}: it stops the open token streams (their
 *       next read throws {@link IllegalStateException}), waits for the calls in flight, then frees
 *       the weights, any cached copy and the allocator caches. Idempotent.
 *   <li>A call after close throws {@link IllegalStateException}; a call while unloaded throws an
 *       {@link EngineException} of kind NOT_LOADED.
 *   <li>{@link #unload(boolean, BusyPolicy)} and {@link #loadWeights(boolean)} are CTranslate2's
 *       {@code unload_model} / {@code load_model}, except that they never silently do nothing: a
 *       busy model is waited for, or reported with {@code ModelBusyException}.
 * </ul>
 * Thread-safe: with {@code interThreads = N}, N calls run in parallel.
 */
public abstract sealed class TextModel extends NativeResource permits Translator, Generator, Encoder {
    /** CTranslate2's Python default: {@code device="cpu"}, one replica, its default threads. */
    static final ModelOptions CPU = ModelOptions.builder().device(Device.CPU).build();

    final MemorySegment handle;
    private final String source;
    private final String computeType;
    private final int numReplicas;
    // Streams not yet read to the end or closed: close() fails their next read. Weak, so that a
    // stream its reader dropped does not stay here.
    private final Set<TokenStream> openStreams =
            Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    private final NativeShutdown.Registration shutdownRegistration;
    // Set before close() looks for open streams: a stream that registers after that look sees it.
    private volatile boolean closing;

    TextModel(String kind, MemorySegment handle, Path source, Consumer<MemorySegment> free, String computeType,
              int numReplicas) {
        super(kind + "(" + source + ")", () -> {
            free.accept(handle);
            NativeMemory.release();
        });
        this.handle = handle;
        this.source = source.toString();
        this.computeType = computeType;
        this.numReplicas = numReplicas;
        this.shutdownRegistration = NativeShutdown.register(this, TextModel::closeAtShutdown);
    }

    @FunctionalInterface
    interface LoadFunction {
        int load(MemorySegment path, MemorySegment params, MemorySegment out);
    }

    static MemorySegment loadHandle(String kind, Path directory, ModelOptions options, LoadFunction load) {
        if (directory == null) {
            throw new IllegalArgumentException("model directory must not be null");
        }
        if (!Files.isDirectory(directory)) {
            throw new EngineException(EngineException.Kind.NOT_FOUND,
                    "cannot load " + kind + " " + directory + ": no such directory");
        }
        NativeLibrary.ensureLoaded();
        NativeShutdown.ensureRunning();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment out = call.allocate(ValueLayout.ADDRESS);
            Status.check(load.load(call.allocateFrom(directory.toString()), ModelParams.of(call, options), out),
                    "cannot load " + kind + " " + directory);
            return out.get(ValueLayout.ADDRESS, 0);
        }
    }

    // ---- native lifetime functions of the handle type -----------------------------------------

    abstract int nativeUnload(boolean toCpu, int busyPolicy);

    abstract int nativeLoadWeights(boolean keepCache);

    abstract boolean nativeIsLoaded();

    abstract int nativeActiveBatches();

    // ---- lifetime ----------------------------------------------------------------------------

    /**
     * Releases the weights; {@code toCpu} keeps a host copy for a fast {@link #loadWeights(boolean)}
     * (on a CPU model: the weights as they are).
     *
     * @throws dev.ct2j.engine.ModelBusyException with {@link BusyPolicy#FAIL} while calls (or token
     *         streams) are in flight
     */
    public void unload(boolean toCpu, BusyPolicy policy) {
        int code = policy == BusyPolicy.FAIL ? ct2j_h.CT2J_BUSY_FAIL() : ct2j_h.CT2J_BUSY_WAIT();
        call(() -> {
            Status.check(nativeUnload(toCpu, code), "cannot unload " + describe());
            return null;
        });
        if (!toCpu) {
            NativeMemory.release(); // the weights are freed, not moved
        }
    }

    /** {@link #unload(boolean, BusyPolicy)}, waiting for the calls in flight. */
    public void unload(boolean toCpu) {
        unload(toCpu, BusyPolicy.WAIT);
    }

    /** Loads the weights back: from the host copy if any, else from the directory. No-op if loaded. */
    public void loadWeights(boolean keepCache) {
        call(() -> {
            Status.check(nativeLoadWeights(keepCache), "cannot load " + describe());
            return null;
        });
    }

    public boolean isLoaded() {
        return call(this::nativeIsLoaded);
    }

    /**
     * Calls running or queued in CTranslate2's pool. CTranslate2 counts a call out when it frees the
     * call's job, just after the result is delivered: right after a call returns, it may still be counted.
     */
    public int activeBatches() {
        return call(this::nativeActiveBatches);
    }

    /** The compute type in effect, e.g. "float32" or "int8_float32". */
    public String computeType() {
        return computeType;
    }

    public int numReplicas() {
        return numReplicas;
    }

    /** The model directory. */
    public String source() {
        return source;
    }

    /** Token streams opened on this model and not yet read to the end or closed. */
    public int openStreams() {
        return openStreams.size();
    }

    /**
     * Stops the open token streams, waits for the calls in flight (a stream's generation stops at
     * its next decoding step), then frees the model. Idempotent.
     */
    @Override
    public void close() {
        closing = true;
        stopStreams();
        super.close();
    }

    @Override
    protected void beforeFree() {
        shutdownRegistration.remove();
    }

    private static boolean closeAtShutdown(TextModel model, long timeoutNanos) {
        model.closing = true;
        model.stopStreams();
        return model.closeForShutdown(timeoutNanos);
    }

    private void stopStreams() {
        List<TokenStream> streams;
        synchronized (openStreams) {
            streams = List.copyOf(openStreams);
        }
        for (TokenStream stream : streams) {
            stream.ownerClosing();
        }
    }

    // ---- plumbing ----------------------------------------------------------------------------

    <T> T call(Supplier<T> body) {
        enter();
        try {
            return body.get();
        } finally {
            leave();
        }
    }

    /**
     * A token stream holds the model as a call from its start until its generation ends, and is
     * open until its reader finishes or closes it.
     */
    void enterStream(TokenStream stream) {
        enter();
        openStreams.add(stream);
        if (closing) { // a close that may have looked for open streams before this one was added
            stream.ownerClosing();
        }
    }

    /** The stream's generation has ended. */
    void leaveStream() {
        leave();
    }

    /** The stream's reader has finished or closed it. */
    void forgetStream(TokenStream stream) {
        openStreams.remove(stream);
    }

    static String readString(MemorySegment s) {
        return NativeStrings.read(s);
    }
}
