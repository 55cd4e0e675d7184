package dev.ct2j.ctranslate2;

import dev.ct2j.bindings.ct2j_step;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Tokens as they are decoded: CTranslate2's {@code generate_tokens}. An iterator (and
 * {@link #stream()}) over {@link GenerationStep}s, in the order CTranslate2 reports them.
 *
 * <p>As in Python, the generation runs on its own thread and reports each token through
 * CTranslate2's step callback; the callback never blocks, so a slow reader never holds a worker.
 * {@link #close()} stops the generation at its next step and returns once it has ended (Python's
 * {@code close()} on the generator, which joins its thread). Closing the model while a stream is
 * open stops it as well: the stream's next read throws {@link IllegalStateException}. Reading
 * from one thread at a time; close from any.
 */
public final class TokenStream implements Iterator<GenerationStep>, AutoCloseable {
    private static final Object END = new Object();
    private static final MethodHandle ON_STEP;
    private static final FunctionDescriptor CALLBACK =
            FunctionDescriptor.of(ValueLayout.JAVA_BOOLEAN, ValueLayout.ADDRESS, ValueLayout.ADDRESS);

    static {
        try {
            ON_STEP = MethodHandles.lookup().findVirtual(TokenStream.class, "onStep",
                    MethodType.methodType(boolean.class, MemorySegment.class, MemorySegment.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private record Failure(RuntimeException exception) {}

    private final TextModel owner;
    private final Vocabulary vocabulary;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger decoded = new AtomicInteger();
    private volatile boolean stop;
    private volatile boolean ownerClosed;
    private final Thread producer;
    private GenerationStep next;
    private boolean finished;

    /**
     * @param run the native call, given the callback's address; returns only when it has ended
     */
    private TokenStream(TextModel owner, Vocabulary vocabulary, Function<MemorySegment, Void> run) {
        this.owner = owner;
        this.vocabulary = vocabulary;
        this.producer = Thread.ofPlatform().daemon().name("ct2j-token-stream").unstarted(() -> produce(run));
    }

    static TokenStream start(TextModel owner, Vocabulary vocabulary, Function<MemorySegment, Void> run) {
        TokenStream stream = new TokenStream(owner, vocabulary, run);
        owner.enterStream(stream); // a closed model throws here, in the caller's thread
        try {
            stream.producer.start();
        } catch (RuntimeException | Error e) {
            owner.leaveStream();
            owner.forgetStream(stream);
            throw e;
        }
        return stream;
    }

    private void produce(Function<MemorySegment, Void> run) {
        try (Arena arena = Arena.ofShared()) {
            // The stub lives until the native call has returned, and the C API returns only
            // once every batch of the call has ended: no callback can reach a closed arena.
            MemorySegment callback = Linker.nativeLinker().upcallStub(ON_STEP.bindTo(this), CALLBACK, arena);
            run.apply(callback);
            queue.add(END);
        } catch (RuntimeException e) {
            queue.add(new Failure(e));
        } catch (Error e) {
            queue.add(new Failure(new IllegalStateException("token generation failed", e)));
        } finally {
            owner.leaveStream();
        }
    }

    // Runs on a CTranslate2 worker thread: it must never throw (an exception in an upcall ends
    // the JVM), and must not block.
    @SuppressWarnings("unused")
    private boolean onStep(MemorySegment step, MemorySegment userData) {
        try {
            decoded.incrementAndGet();
            MemorySegment s = step.reinterpret(ct2j_step.sizeof());
            int tokenId = ct2j_step.token_id(s);
            String token = tokenId >= 0 && tokenId < vocabulary.size() ? vocabulary.tokens().get(tokenId) : "";
            queue.add(new GenerationStep((int) ct2j_step.step(s), (int) ct2j_step.batch_id(s), tokenId,
                    (int) ct2j_step.hypothesis_id(s), token,
                    ct2j_step.has_log_prob(s) ? ct2j_step.log_prob(s) : null, ct2j_step.is_last(s)));
            return stop;
        } catch (Throwable t) {
            return true;
        }
    }

    /** Tokens the generation has reported so far, read or not. */
    public int decodedSteps() {
        return decoded.get();
    }

    /** The model is closing: stop generating, and fail the next read. */
    void ownerClosing() {
        ownerClosed = true;
        stop = true;
    }

    @Override
    public boolean hasNext() {
        if (next != null) {
            return true;
        }
        if (finished) {
            return false;
        }
        Object item;
        try {
            item = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while waiting for the next token; the stream is closed", e);
        }
        if (ownerClosed) {
            finish();
            throw new IllegalStateException(owner.describe() + " is closed");
        }
        if (item == END) {
            finish();
            return false;
        }
        if (item instanceof Failure failure) {
            finish();
            throw failure.exception();
        }
        next = (GenerationStep) item;
        return true;
    }

    @Override
    public GenerationStep next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the token stream has ended");
        }
        GenerationStep step = next;
        next = null;
        return step;
    }

    /** This stream as a {@link Stream}; closing it closes this stream. */
    public Stream<GenerationStep> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL),
                false).onClose(this::close);
    }

    /** Stops the generation at its next step and waits until it has ended. Idempotent. */
    @Override
    public void close() {
        stop = true;
        boolean interrupted = false;
        while (producer.isAlive()) {
            try {
                producer.join();
            } catch (InterruptedException e) {
                interrupted = true; // returning early would leave the generation running
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        finish();
    }

    private void finish() {
        finished = true;
        next = null;
        queue.clear();
        owner.forgetStream(this);
    }
}
