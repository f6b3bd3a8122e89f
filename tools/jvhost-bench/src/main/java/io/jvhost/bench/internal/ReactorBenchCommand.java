package io.jvhost.bench.internal;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;

/** {@code reactor:bench}: message round trip between two reactors and the CPU of an idle one. */
@Component(service = ReactorBenchCommand.class, property = {"osgi.command.scope=reactor",
    "osgi.command.function=bench"})
public final class ReactorBenchCommand {
    @Descriptor("Measure message round trip between two reactors and the CPU an idle interrupt-mode reactor uses")
    public String bench(
            @Descriptor("seconds per measurement") int seconds) throws Exception {
        return ReactorBenchmark.run(seconds).report();
    }

    @Descriptor("Measure reactor round trip and idle CPU, 2 seconds each")
    public String bench() throws Exception {
        return bench(2);
    }
}
