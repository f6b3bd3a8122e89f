package io.jvhost.metrics.internal;

import io.jvhost.bdev.BdevRegistry;
import io.jvhost.reactor.ReactorGroup;
import io.jvhost.vhostuser.VhostControllers;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Prometheus' scrape endpoint {@code /metrics}, registered with the HTTP Whiteboard (Felix HTTP's
 * Jetty serves it on the address {@code ./jvhost --metrics} gives).
 */
@Component(service = Servlet.class, property = {"osgi.http.whiteboard.servlet.pattern=/metrics",
    "osgi.http.whiteboard.servlet.name=jvhost-metrics"})
public final class MetricsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Reference
    private transient BdevRegistry bdevs;
    @Reference
    private transient ReactorGroup reactors;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile transient VhostControllers controllers;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        VhostControllers c = controllers;
        String body = MetricsReport.render(bdevs.list(), c == null ? List.of() : c.list(), reactors.reactors());
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setContentType(PrometheusText.CONTENT_TYPE);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
