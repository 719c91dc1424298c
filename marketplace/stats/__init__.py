"""What the platform achieves, counted per place and period, for coordinators and merchants."""
