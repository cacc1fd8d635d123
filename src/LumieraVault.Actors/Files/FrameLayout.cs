namespace LumieraVault.Files;

/// <summary>
/// Where the frames of a file lie. Frames are always addressable by byte offset and length; a layout
/// adds addressing by frame number, and its header size becomes the bias of the file's mapped windows
/// (windows start after the header, so frames do not straddle them needlessly).
/// </summary>
public abstract record FrameLayout
{
    private protected FrameLayout(long headerBytes)
    {
        if (headerBytes < 0) throw new VaultException(VaultError.InvalidArgument, $"A header size cannot be negative (was {headerBytes}).");
        HeaderBytes = headerBytes;
    }

    /// <summary>Bytes at the start of the file before the first frame.</summary>
    public long HeaderBytes { get; }

    /// <summary>No numbered frames: frames are asked for by offset and length only.</summary>
    public static FrameLayout Bytes(long headerBytes = 0) => new ByteLayout(headerBytes);

    /// <summary>Frames of one size, one after another, after a header.</summary>
    public static FrameLayout Fixed(int frameSize, long headerBytes = 0) => new FixedLayout(frameSize, headerBytes);

    /// <summary>Frames at the offsets and sizes of a table (an index read from a container, say).</summary>
    public static FrameLayout Table(IReadOnlyList<(long Offset, int Size)> frames) => new TableLayout(frames);

    /// <summary>How many whole frames a file of <paramref name="fileSize"/> bytes holds (0 for <see cref="Bytes"/>).</summary>
    public abstract long FrameCount(long fileSize);

    /// <summary>Finds frame <paramref name="frameNumber"/>; false when the layout has no such frame.</summary>
    public abstract bool TryLocate(long frameNumber, out long offset, out int length);

    /// <summary>The distance between window starts for a configured window size: a whole number of frames where frames are fixed.</summary>
    internal virtual long WindowStride(long windowSize) => windowSize;

    /// <summary>Byte addressing only.</summary>
    public sealed record ByteLayout : FrameLayout
    {
        internal ByteLayout(long headerBytes) : base(headerBytes) { }

        /// <inheritdoc />
        public override long FrameCount(long fileSize) => 0;

        /// <inheritdoc />
        public override bool TryLocate(long frameNumber, out long offset, out int length)
        {
            offset = 0;
            length = 0;
            return false;
        }
    }

    /// <summary>Fixed-size frames after a header.</summary>
    public sealed record FixedLayout : FrameLayout
    {
        internal FixedLayout(int frameSize, long headerBytes) : base(headerBytes)
        {
            if (frameSize <= 0) throw new VaultException(VaultError.InvalidArgument, $"A frame size must be positive (was {frameSize}).");
            FrameSize = frameSize;
        }

        /// <summary>The size of every frame in bytes.</summary>
        public int FrameSize { get; }

        /// <inheritdoc />
        public override long FrameCount(long fileSize) => Math.Max(0, (fileSize - HeaderBytes) / FrameSize);

        /// <inheritdoc />
        public override bool TryLocate(long frameNumber, out long offset, out int length)
        {
            length = FrameSize;
            offset = HeaderBytes + frameNumber * FrameSize;
            return frameNumber >= 0 && frameNumber <= (long.MaxValue - HeaderBytes) / FrameSize - 1;
        }

        internal override long WindowStride(long windowSize) => Math.Max(1, windowSize / FrameSize) * FrameSize;
    }

    /// <summary>Frames at given offsets and sizes.</summary>
    public sealed record TableLayout : FrameLayout
    {
        private readonly (long Offset, int Size)[] _frames;

        internal TableLayout(IReadOnlyList<(long Offset, int Size)> frames) : base(frames.Count == 0 ? 0 : frames.Min(f => f.Offset))
        {
            _frames = frames.ToArray();
            foreach (var (offset, size) in _frames)
            {
                if (offset < 0 || size <= 0)
                    throw new VaultException(VaultError.InvalidArgument, $"A frame table entry needs a non-negative offset and a positive size (was {offset}, {size}).");
            }
        }

        /// <summary>The frames of the table.</summary>
        public IReadOnlyList<(long Offset, int Size)> Frames => _frames;

        /// <inheritdoc />
        public override long FrameCount(long fileSize)
        {
            long count = 0;
            while (count < _frames.Length && _frames[count].Offset + _frames[count].Size <= fileSize) count++;
            return count;
        }

        /// <inheritdoc />
        public override bool TryLocate(long frameNumber, out long offset, out int length)
        {
            if ((ulong)frameNumber >= (ulong)_frames.Length)
            {
                offset = 0;
                length = 0;
                return false;
            }
            (offset, length) = _frames[frameNumber];
            return true;
        }
    }
}
