package io.jvhost.scsi.internal;

import io.jvhost.bdev.BdevRegistry;
import io.jvhost.scsi.ScsiTarget;
import io.jvhost.scsi.ScsiTargetFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The SCSI layer's service: targets whose LUNs are bdevs of the registry. */
@Component(service = ScsiTargetFactory.class)
public final class TargetFactory implements ScsiTargetFactory {
    private final BdevRegistry bdevs;

    @Activate
    public TargetFactory(@Reference BdevRegistry bdevs) {
        this.bdevs = bdevs;
    }

    @Override
    public ScsiTarget create(String name, ScsiTarget.Listener listener) {
        return new Target(name, bdevs, listener);
    }
}
