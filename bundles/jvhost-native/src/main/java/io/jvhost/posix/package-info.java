/**
 * Linux system calls through the FFM API: file descriptors, memory mappings, eventfd, epoll,
 * AF_UNIX sockets with SCM_RIGHTS, io_uring and CPU affinity. Every failing call throws a
 * {@link io.jvhost.posix.NativeException} carrying the call and the errno.
 */
@Export
@Version("1.2.0")
package io.jvhost.posix;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
