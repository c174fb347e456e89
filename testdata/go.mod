module sideeye.test/testdata

go 1.19
