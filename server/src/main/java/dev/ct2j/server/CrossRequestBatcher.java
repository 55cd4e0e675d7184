package dev.ct2j.server;

import dev.ct2j.engine.GenerationOptions;
import dev.ct2j.transcribe.ChunkDecoder;
import dev.ct2j.transcribe.WhisperModel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Batching across requests: the chunks of concurrent requests for the same model and generation
 * options are decoded together, up to {@code batchSize} chunks per engine call. There is no
 * batching thread: a request thread with chunks waiting becomes the leader of its group, waits up
 * to the batch window for the batch to fill, takes the oldest chunks and runs the engine call for
 * all their owners; the others wait for their results. With a window of 0 nothing waits, yet
 * requests arriving while a call runs are still decoded together in the next one.
 *
 * <p>Every request's result stays identical to decoding it alone (see {@link ChunkDecoder}).
 */
final class CrossRequestBatcher implements ChunkDecoder {

    /** Told about every engine call: its chunk count and how many requests they came from. */
    interface Observer {
        void batch(int chunks, int requests);
    }

    private record Key(WhisperModel model, GenerationOptions options, boolean detectLanguage) { }

    private static final class Pending {
        final Job job;
        final Object owner;
        Decoded result;
        RuntimeException error;
        boolean done;

        Pending(Job job, Object owner) {
            this.job = job;
            this.owner = owner;
        }
    }

    private final int batchSize;
    private final long windowNanos;
    private final Observer observer;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Guarded by lock. A group leaves the map when its queue empties, so option sets seen once
    // do not accumulate.
    private final Map<Key, ArrayDeque<Pending>> queues = new HashMap<>();
    private final Set<Key> leading = new HashSet<>();

    CrossRequestBatcher(int batchSize, long windowMillis, Observer observer) {
        if (batchSize < 1 || windowMillis < 0) {
            throw new IllegalArgumentException("batch size must be >= 1 and the window >= 0 ms; got " + batchSize
                    + " and " + windowMillis);
        }
        this.batchSize = batchSize;
        this.windowNanos = TimeUnit.MILLISECONDS.toNanos(windowMillis);
        this.observer = observer;
    }

    @Override
    public List<Decoded> decode(WhisperModel model, List<Job> jobs) {
        if (jobs.isEmpty()) {
            throw new IllegalArgumentException("no chunks to decode");
        }
        Job first = jobs.getFirst();
        Key key = new Key(model, first.options(), first.languageTokenIndex() >= 0);
        Object owner = new Object();
        List<Pending> mine = new ArrayList<>(jobs.size());
        for (Job job : jobs) {
            mine.add(new Pending(job, owner));
        }
        boolean interrupted = false;
        lock.lock();
        try {
            queues.computeIfAbsent(key, k -> new ArrayDeque<>()).addAll(mine);
            changed.signalAll();
            while (!allDone(mine)) {
                if (leading.contains(key) || !queues.containsKey(key)) {
                    // Another thread leads this group (or has just taken our last chunks).
                    interrupted |= awaitUninterruptibly(-1);
                    continue;
                }
                leading.add(key);
                List<Pending> batch;
                try {
                    long deadline = System.nanoTime() + windowNanos;
                    long left;
                    while (queues.get(key).size() < batchSize && (left = deadline - System.nanoTime()) > 0) {
                        interrupted |= awaitUninterruptibly(left);
                    }
                    batch = take(key);
                } catch (RuntimeException | Error e) {
                    leading.remove(key);
                    throw e;
                }
                lock.unlock();
                try {
                    run(model, batch);
                } finally {
                    lock.lock();
                    leading.remove(key);
                    changed.signalAll();
                }
            }
        } finally {
            lock.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        List<Decoded> results = new ArrayList<>(mine.size());
        for (Pending p : mine) {
            if (p.error != null) {
                throw p.error;
            }
            results.add(p.result);
        }
        return results;
    }

    private List<Pending> take(Key key) {
        ArrayDeque<Pending> queue = queues.get(key);
        List<Pending> batch = new ArrayList<>(Math.min(batchSize, queue.size()));
        while (batch.size() < batchSize && !queue.isEmpty()) {
            batch.add(queue.poll());
        }
        if (queue.isEmpty()) {
            queues.remove(key);
        }
        return batch;
    }

    // Runs without the lock; every Pending of the batch ends done, with a result or the error.
    private void run(WhisperModel model, List<Pending> batch) {
        List<Job> jobs = new ArrayList<>(batch.size());
        Set<Object> owners = new HashSet<>();
        for (Pending p : batch) {
            jobs.add(p.job);
            owners.add(p.owner);
        }
        List<Decoded> decoded = null;
        RuntimeException error = null;
        try {
            decoded = ChunkDecoder.decodeTogether(model, jobs);
            observer.batch(batch.size(), owners.size());
        } catch (RuntimeException e) {
            error = e;
        } catch (Error e) {
            // Never leave the batch's other owners waiting for chunks nobody will decode.
            error = new IllegalStateException("the engine call failed: " + e, e);
        }
        lock.lock();
        try {
            for (int i = 0; i < batch.size(); i++) {
                Pending p = batch.get(i);
                if (decoded != null) {
                    p.result = decoded.get(i);
                } else {
                    p.error = error;
                }
                p.done = true;
            }
        } finally {
            lock.unlock();
        }
    }

    private static boolean allDone(List<Pending> pending) {
        for (Pending p : pending) {
            if (!p.done) {
                return false;
            }
        }
        return true;
    }

    // Waits on `changed` (nanos < 0: without a bound); returns whether an interrupt came, which is
    // kept for the caller: a request must not leave while its chunks sit in another's batch.
    private boolean awaitUninterruptibly(long nanos) {
        try {
            if (nanos < 0) {
                changed.await();
            } else {
                changed.awaitNanos(nanos);
            }
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }
}
