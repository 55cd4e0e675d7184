package dev.ct2j.transcribe;

import dev.ct2j.engine.ModelBusyException;
import dev.ct2j.engine.ModelOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * Several models in one service: models are loaded on demand, shared by reference count, and
 * closed when idle. At most {@code maxLoaded} models stay loaded; loading another one closes the
 * least recently used model that nobody holds. A model that is held is never evicted: when every
 * loaded model is in use, the new model is loaded anyway and the manager shrinks back as soon as
 * leases are returned. Models idle (unheld) for longer than the TTL are closed by a background
 * sweep.
 *
 * <pre>{@code
 * try (var manager = new ModelManager(2, Duration.ofMinutes(10), ModelOptions.defaults());
 *      var lease = manager.acquire("base")) {
 *     lease.model().transcribe(audio, options) ...
 * }
 * }</pre>
 */
public final class ModelManager implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.ct2j");

    private final int maxLoaded;
    private final Duration ttl;
    private final BiFunction<String, ModelOptions, WhisperModel> loader;
    private final ModelOptions options;
    // Access order: iteration starts at the least recently used model.
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final ScheduledExecutorService sweeper;
    private boolean closed;

    private static final class Entry {
        final WhisperModel model;
        int holders;
        long idleSinceNanos = System.nanoTime();

        Entry(WhisperModel model) {
            this.model = model;
        }
    }

    /** A held model; closing the lease returns it (the model itself stays loaded). */
    public final class Lease implements AutoCloseable {
        private final String name;
        private final WhisperModel model;
        private boolean returned;

        private Lease(String name, WhisperModel model) {
            this.name = name;
            this.model = model;
        }

        public WhisperModel model() {
            synchronized (ModelManager.this) {
                if (returned) {
                    throw new IllegalStateException("this lease on model '" + name + "' was already returned");
                }
            }
            return model;
        }

        @Override
        public void close() {
            release(this);
        }
    }

    public ModelManager(int maxLoaded, Duration ttl, ModelOptions options) {
        this(maxLoaded, ttl, options, WhisperModel::load);
    }

    /** With a custom loader (e.g. to add {@link LifetimeOptions}). */
    public ModelManager(int maxLoaded, Duration ttl, ModelOptions options,
                        BiFunction<String, ModelOptions, WhisperModel> loader) {
        if (maxLoaded < 1) {
            throw new IllegalArgumentException("maxLoaded must be >= 1, got " + maxLoaded);
        }
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, got " + ttl);
        }
        this.maxLoaded = maxLoaded;
        this.ttl = ttl;
        this.options = options;
        this.loader = loader;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ct2j-model-manager");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(10, Math.min(1000, ttl.toMillis() / 4));
        sweeper.scheduleWithFixedDelay(this::closeExpired, period, period, TimeUnit.MILLISECONDS);
    }

    /** Holds a model by store name or directory, loading it if needed. */
    public Lease acquire(String name) {
        List<WhisperModel> evicted;
        Entry entry;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the model manager is closed");
            }
            entry = entries.get(name);
            if (entry == null) {
                // Loading under the lock keeps two callers from loading the same model twice;
                // loads of different models are serialised, which bounds peak memory too.
                entry = new Entry(loader.apply(name, options));
                entries.put(name, entry);
            }
            entry.holders++;
            evicted = evictOverCapacity();
        }
        closeAll(evicted);
        return new Lease(name, entry.model);
    }

    private void release(Lease lease) {
        List<WhisperModel> evicted;
        synchronized (this) {
            if (lease.returned) {
                return;
            }
            lease.returned = true;
            Entry entry = entries.get(lease.name);
            if (entry == null || entry.model != lease.model) {
                return;
            }
            if (--entry.holders == 0) {
                entry.idleSinceNanos = System.nanoTime();
            }
            evicted = evictOverCapacity();
        }
        closeAll(evicted);
    }

    // Called with the lock held; the models are closed outside it.
    private List<WhisperModel> evictOverCapacity() {
        List<WhisperModel> evicted = new ArrayList<>();
        var it = entries.entrySet().iterator();
        while (entries.size() - evicted.size() > maxLoaded && it.hasNext()) {
            Map.Entry<String, Entry> e = it.next();
            if (e.getValue().holders == 0) {
                LOG.log(System.Logger.Level.INFO, "evicting least recently used model {0}", e.getKey());
                evicted.add(e.getValue().model);
                it.remove();
            }
        }
        return evicted;
    }

    private void closeExpired() {
        List<WhisperModel> expired = new ArrayList<>();
        synchronized (this) {
            long now = System.nanoTime();
            var it = entries.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<String, Entry> e = it.next();
                if (e.getValue().holders == 0 && now - e.getValue().idleSinceNanos >= ttl.toNanos()) {
                    LOG.log(System.Logger.Level.INFO, "closing model {0}: idle longer than {1}", e.getKey(), ttl);
                    expired.add(e.getValue().model);
                    it.remove();
                }
            }
        }
        closeAll(expired);
    }

    private static void closeAll(List<WhisperModel> models) {
        for (WhisperModel model : models) {
            try {
                model.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing an evicted model failed", e);
            }
        }
    }

    /**
     * Closes a loaded model now, for a service's explicit unload (speaches' DELETE /api/ps/{id}).
     * A held model is never closed under its holders: that is an error the caller must see, not
     * a silent no-op.
     *
     * @return false if the model is not loaded
     * @throws ModelBusyException if someone holds the model
     */
    public boolean unload(String name) {
        WhisperModel model;
        synchronized (this) {
            Entry entry = entries.get(name);
            if (entry == null) {
                return false;
            }
            if (entry.holders > 0) {
                throw new ModelBusyException("model '" + name + "' is in use by " + entry.holders
                        + (entry.holders == 1 ? " holder" : " holders"));
            }
            entries.remove(name);
            model = entry.model;
        }
        closeAll(List.of(model));
        return true;
    }

    /** Names of the models loaded now, least recently used first. */
    public synchronized List<String> loadedModels() {
        return List.copyOf(entries.keySet());
    }

    /** Current holders of a model (0 if not loaded). */
    public synchronized int holders(String name) {
        Entry entry = entries.get(name);
        return entry == null ? 0 : entry.holders;
    }

    /** Closes every model, held or not (holders' next calls throw IllegalStateException). */
    @Override
    public void close() {
        List<WhisperModel> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>();
            for (Entry e : entries.values()) {
                all.add(e.model);
            }
            entries.clear();
        }
        sweeper.shutdownNow();
        closeAll(all);
    }
}
