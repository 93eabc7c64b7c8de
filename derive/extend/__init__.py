"""What builds on the gradient: higher derivatives (the Hessian), training steps, fair variant ranges."""
