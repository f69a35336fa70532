using System.Text;
using AdmissionWebhook.KeptnTasks;

namespace AdmissionWebhook.Tests.KeptnTasks;

public sealed class RecurringValuesTests
{
    [Fact]
    public void AValueThatRecursIsTheStringTheLastReviewMade()
    {
        var first = RecurringValues.Of("check-entry-conditions"u8);
        var second = RecurringValues.Of("check-entry-conditions"u8);

        Assert.Equal("check-entry-conditions", first);
        Assert.Same(first, second);
    }

    [Fact]
    public void EveryValueReadsAsItsBytesWhateverElseSharesItsSlot()
    {
        // Far more values than slots: most land where another one was, many of them twice over.
        var values = Enumerable.Range(0, 20_000).Select(i => $"podtato-head-{i}").ToArray();
        foreach (var round in Enumerable.Range(0, 2))
        {
            foreach (var value in values)
            {
                Assert.Equal(value, RecurringValues.Of(Encoding.ASCII.GetBytes(value)));
            }
        }
    }

    [Fact]
    public void KnownValuesAndLongValuesAreReadAsWell()
    {
        var longName = new string('a', 300);

        Assert.Same("CREATE", RecurringValues.Of("CREATE"u8));
        Assert.Equal(string.Empty, RecurringValues.Of([]));
        Assert.Equal(longName, RecurringValues.Of(Encoding.ASCII.GetBytes(longName)));
    }

    [Fact]
    public void ATasksOwnNameIsNeverSharedWithAnotherReview()
    {
        var first = FieldValue.Of(System.Text.Json.JsonValueKind.String, "\"helloworldtask-1\""u8, unique: true).StringOrNull();
        var second = FieldValue.Of(System.Text.Json.JsonValueKind.String, "\"helloworldtask-1\""u8, unique: true).StringOrNull();

        Assert.Equal(first, second);
        Assert.NotSame(first, second);
    }
}
