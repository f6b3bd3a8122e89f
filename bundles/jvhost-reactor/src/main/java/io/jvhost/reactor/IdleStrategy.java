package io.jvhost.reactor;

import org.osgi.annotation.versioning.ConsumerType;

/** Decides what a reactor does after a pass of its pollers, given how much work the pass did. */
@ConsumerType
public interface IdleStrategy {
    /** Called after every pass; {@code workCount} 0 means the pass found nothing to do. */
    void idle(int workCount);

    /** Forget any back-off state. */
    void reset();

    /** The name this strategy is chosen by in configuration. */
    String name();
}
