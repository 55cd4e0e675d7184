package dev.ct2j.lifetime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class CallGuardTest {

    @Test
    void callsAfterCloseThrowTheGuardsMessage() {
        CallGuard named = new CallGuard("WhisperEngine(/models/base)");
        assertTrue(named.close());
        assertFalse(named.close(), "close is idempotent");
        assertEquals("WhisperEngine(/models/base) is closed",
                assertThrows(IllegalStateException.class, named::enter).getMessage());

        CallGuard custom = new CallGuard("SileroVadModel(x)", "the Silero VAD model is closed: x");
        assertTrue(custom.closeAndAwait());
        assertEquals("the Silero VAD model is closed: x",
                assertThrows(IllegalStateException.class, custom::ensureOpen).getMessage());
    }

    @Test
    void closeAndAwaitRefusesAtOnceAndReturnsWhenTheLastCallLeaves() throws Exception {
        CallGuard guard = new CallGuard("handle");
        guard.enter();
        Thread closer = new Thread(guard::closeAndAwait);
        closer.start();
        while (!guard.isClosed()) {
            Thread.onSpinWait();
        }
        assertThrows(IllegalStateException.class, guard::enter, "closing refuses new calls before waiting");
        closer.join(200);
        assertTrue(closer.isAlive(), "close waits for the call in flight");
        guard.leave();
        closer.join(10_000);
        assertFalse(closer.isAlive());
    }

    @Test
    void closeWhenIdleAdmitsCallsUntilTheLastOneLeaves() throws Exception {
        CallGuard guard = new CallGuard("model");
        guard.enter();
        Thread closer = new Thread(guard::closeWhenIdle);
        closer.start();
        closer.join(200);
        assertTrue(closer.isAlive());
        assertFalse(guard.isClosed(), "still open while it waits");
        guard.enter(); // a new reader is still admitted
        guard.leave();
        guard.leave();
        closer.join(10_000);
        assertFalse(closer.isAlive());
        assertTrue(guard.isClosed());
    }

    @Test
    void runIfIdleSkipsABusyGuardAndHoldsNewCallsOff() throws Exception {
        CallGuard guard = new CallGuard("model");
        guard.enter();
        assertFalse(guard.runIfIdle(() -> { throw new AssertionError("ran under a call"); }));
        guard.leave();

        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean entered = new AtomicBoolean();
        Thread unloader = new Thread(() -> guard.runIfIdle(() -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        unloader.start();
        assertTrue(inside.await(10, TimeUnit.SECONDS));
        Thread caller = new Thread(() -> {
            guard.enter();
            entered.set(true);
            guard.leave();
        });
        caller.start();
        caller.join(200);
        assertFalse(entered.get(), "a call waits while the idle section runs");
        release.countDown();
        caller.join(10_000);
        unloader.join(10_000);
        assertTrue(entered.get());
        assertTrue(guard.runIfIdle(() -> { }), "idle again");
        assertTrue(guard.close());
        assertFalse(guard.runIfIdle(() -> { throw new AssertionError("ran when closed"); }));
    }
}
