/**
 * Reactors: threads that each own a core and run {@link io.jvhost.reactor.Poller}s, in the manner of
 * SPDK's reactors and Agrona's agents. Other threads reach a reactor only through
 * {@link io.jvhost.reactor.Reactor#execute(Runnable)}.
 */
@Export
@Version("1.4.0")
package io.jvhost.reactor;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
